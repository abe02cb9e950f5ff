// Typed failures of the iSCSI write. `retryable` tells the activity wrapper
// whether a retry can help; `type` is a stable name for failure reporting.

export abstract class IscsiError extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;
}

/** The image does not fit on the LUN. Nothing was written. */
export class ImageTooLargeError extends IscsiError {
  readonly type = 'ImageTooLarge';
  readonly retryable = false;
  constructor(
    readonly imageBytes: number,
    readonly lunBytes: number,
    target: string,
  ) {
    super(
      `image is ${imageBytes} bytes but LUN ${target} holds only ${lunBytes} bytes: ` +
        'choose a node with a larger disk or a smaller image (nothing was written)',
    );
    this.name = 'ImageTooLargeError';
  }
}

/** The target refused our CHAP login. */
export class IscsiAuthError extends IscsiError {
  readonly type = 'IscsiAuthFailed';
  readonly retryable = false;
  constructor(target: string) {
    super(`iSCSI login to ${target} was refused (authentication failure): check the CHAP user and secret`);
    this.name = 'IscsiAuthError';
  }
}

/** The portal answered but has no such target or LUN. */
export class IscsiTargetNotFoundError extends IscsiError {
  readonly type = 'IscsiTargetNotFound';
  readonly retryable = false;
  constructor(target: string, detail: string) {
    super(`iSCSI ${target} does not exist on the portal (${detail}): check the IQN and LUN the ramdisk reported`);
    this.name = 'IscsiTargetNotFoundError';
  }
}

/** The portal cannot be reached or dropped the connection. A retry resumes from bytesWritten. */
export class IscsiConnectionError extends IscsiError {
  readonly type = 'IscsiConnectionLost';
  readonly retryable = true;
  constructor(
    target: string,
    readonly bytesWritten: number,
    detail: string,
  ) {
    // No promise of a resume in the text: it ends up in last_error once the retries are spent too.
    super(`lost the iSCSI connection to ${target} after ${bytesWritten} bytes (${detail})`);
    this.name = 'IscsiConnectionError';
  }
}

/** The caller aborted the write. bytesWritten is safe to pass back as resumeFrom. */
export class WriteAbortedError extends IscsiError {
  readonly type = 'ImageWriteAborted';
  readonly retryable = true;
  constructor(readonly bytesWritten: number) {
    super(`image write aborted after ${bytesWritten} bytes; resume from there`);
    this.name = 'WriteAbortedError';
  }
}

/** qemu-img failed for a reason we do not recognise. */
export class ImageWriteFailedError extends IscsiError {
  readonly type = 'ImageWriteFailed';
  readonly retryable = true;
  constructor(
    target: string,
    readonly bytesWritten: number,
    detail: string,
  ) {
    super(`writing the image to ${target} failed after ${bytesWritten} bytes: ${detail}`);
    this.name = 'ImageWriteFailedError';
  }
}

/** The LUN's content differs from the image after writing. */
export class ImageVerifyError extends IscsiError {
  readonly type = 'ImageVerifyFailed';
  readonly retryable = true;
  constructor(target: string, detail: string) {
    super(`the image on ${target} differs from the source: ${detail}`);
    this.name = 'ImageVerifyError';
  }
}
