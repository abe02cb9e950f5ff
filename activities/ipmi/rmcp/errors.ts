// Typed IPMI failures. `retryable` tells callers (Temporal activities, the
// power-sync loop) whether trying again can help: bad credentials and cipher
// suites the BMC does not offer cannot be fixed by retrying.
import { completionCodeName, rakpStatusName } from './codes';

export class IpmiError extends Error {
  readonly retryable: boolean = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong user name or password (RAKP status, or a RAKP 2 HMAC that does not verify). */
export class IpmiAuthError extends IpmiError {
  override readonly retryable = false;
  constructor(
    message: string,
    readonly rakpStatus?: number,
  ) {
    super(message);
  }
}

/** The BMC refused the requested cipher suite (or RMCP+ altogether). */
export class IpmiUnsupportedCipherError extends IpmiError {
  override readonly retryable = false;
  constructor(
    message: string,
    readonly rakpStatus?: number,
  ) {
    super(message);
  }
}

/** No (valid) answer from the BMC within the configured bound. */
export class IpmiTimeoutError extends IpmiError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(message);
  }
}

/** Session establishment failed with a RAKP/RMCP+ status that is neither auth nor cipher. */
export class IpmiSessionError extends IpmiError {
  constructor(readonly rakpStatus: number) {
    super(`session setup refused: ${rakpStatusName(rakpStatus)} (0x${rakpStatus.toString(16).padStart(2, '0')})`);
  }
}

/** Completion codes a retry may cure: busy, timeouts, out of resources, unspecified. */
const TRANSIENT_CODES = new Set([0xc0, 0xc3, 0xc4, 0xce, 0xff]);

/** The BMC answered with a non-zero completion code. */
export class IpmiCompletionCodeError extends IpmiError {
  override readonly retryable: boolean;
  constructor(
    readonly code: number,
    readonly command: string,
  ) {
    super(`${command} failed: ${completionCodeName(code)} (0x${code.toString(16).padStart(2, '0')})`);
    this.retryable = TRANSIENT_CODES.has(code);
  }
}

/** A malformed or unexpected packet, or a local misuse (e.g. an over-long user name). */
export class IpmiProtocolError extends IpmiError {
  override readonly retryable: boolean;
  constructor(message: string, retryable = true) {
    super(message);
    this.retryable = retryable;
  }
}
