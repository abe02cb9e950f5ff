// Domain errors. Services throw these; one filter (error.filter.ts) turns them
// into Ironic's error format with the status each one carries.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(400, message);
  }
}
export class UnauthorizedError extends ApiError {
  constructor(message = 'Authentication required: send a valid token in X-Auth-Token.') {
    super(401, message);
  }
}
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(403, message);
  }
}
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, message);
  }
}
export class MethodNotAllowedError extends ApiError {
  constructor(message = 'Method not allowed.') {
    super(405, message);
  }
}
export class NotAcceptableError extends ApiError {
  constructor(message: string) {
    super(406, message);
  }
}
export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, message);
  }
}
export class PayloadTooLargeError extends ApiError {
  constructor(message: string) {
    super(413, message);
  }
}
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(415, message);
  }
}
export class ServiceUnavailableError extends ApiError {
  constructor(message: string) {
    super(503, message);
  }
}

export class NodeNotFoundError extends NotFoundError {
  constructor(ident: string) {
    super(`Node ${ident} could not be found.`);
  }
}
export class PortNotFoundError extends NotFoundError {
  constructor(ident: string) {
    super(`Port ${ident} could not be found.`);
  }
}
export class NodeLockedError extends ConflictError {
  constructor(nodeUuid: string, host: string) {
    super(`Node ${nodeUuid} is locked by host ${host}, please retry after the current operation is completed.`);
  }
}
function allowedHint(state: string, allowed?: string[]): string {
  if (allowed === undefined) return '';
  return allowed.length ? ` Allowed from "${state}": ${allowed.join(', ')}.` : ` No action is allowed from "${state}".`;
}

/** A known target the node's current state does not allow: 409, the request conflicts with the node's state. */
export class InvalidStateRequestedError extends ConflictError {
  constructor(action: string, nodeUuid: string, state: string, allowed?: string[]) {
    super(
      `The requested action "${action}" can not be performed on node "${nodeUuid}" while it is in state "${state}".${allowedHint(state, allowed)}`,
    );
  }
}

/** A target that is not a provisioning verb at all: 400, the request itself is wrong. */
export class UnknownTargetError extends BadRequestError {
  constructor(action: string, nodeUuid: string, state: string, allowed: string[]) {
    super(
      `The requested action "${action}" can not be performed on node "${nodeUuid}": it is not a provisioning target.${allowedHint(state, allowed)}`,
    );
  }
}
