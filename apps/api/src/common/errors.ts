// Domain errors. Services throw these; one filter (error.filter.ts) turns them
// into Ironic's error format with the status each one carries.

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
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
export class InvalidStateRequestedError extends BadRequestError {
  constructor(action: string, nodeUuid: string, state: string, allowed?: string[]) {
    const hint = allowed === undefined ? '' : allowed.length ? ` Allowed from "${state}": ${allowed.join(', ')}.` : ` No action is allowed from "${state}".`;
    super(`The requested action "${action}" can not be performed on node "${nodeUuid}" while it is in state "${state}".${hint}`);
  }
}
