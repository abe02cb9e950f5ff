// Typed Redfish errors. `retryable` says whether trying again can help (the activity
// layer turns retryable === false into a non-retryable Temporal failure). Messages
// name the BMC's URL path and what it said; never credentials.

export class RedfishError extends Error {
  readonly retryable: boolean = true;
  readonly type: string = 'RedfishError';
}

/** The BMC answered with an HTTP error: 5xx and 429 are worth retrying, other 4xx are not. */
export class RedfishHttpError extends RedfishError {
  override readonly type = 'RedfishHttpError';
  override readonly retryable: boolean;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Redfish ${method} ${path} failed: HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.retryable = status >= 500 || status === 429 || status === 409;
  }
}

/** The BMC refused our credentials (after a fresh login). */
export class RedfishAuthError extends RedfishError {
  override readonly type = 'RedfishAuthError';
  override readonly retryable = false;
}

/** No answer in time (a hung BMC or network). */
export class RedfishTimeoutError extends RedfishError {
  override readonly type = 'RedfishTimeoutError';
}

/** TCP/TLS trouble. A certificate that does not verify is not retried. */
export class RedfishConnectionError extends RedfishError {
  override readonly type = 'RedfishConnectionError';
  override readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** The BMC lacks what we need (a reset type, a boot target, a system, virtual media). */
export class RedfishUnsupportedError extends RedfishError {
  override readonly type = 'RedfishUnsupportedError';
  override readonly retryable = false;
}

/** The BMC's answer is not what Redfish promises. */
export class RedfishProtocolError extends RedfishError {
  override readonly type = 'RedfishProtocolError';
  override readonly retryable = false;
}

/** The Redfish error body's message (error.message and the first @Message.ExtendedInfo), shortened. */
export function redfishErrorDetail(body: unknown): string {
  const e = (body as { error?: { message?: unknown; '@Message.ExtendedInfo'?: Array<{ Message?: unknown }> } })?.error;
  if (!e) return '';
  const parts = [e.message, e['@Message.ExtendedInfo']?.[0]?.Message].filter((x): x is string => typeof x === 'string' && x !== '');
  return [...new Set(parts)].join(' ').slice(0, 300);
}
