// Typed failures of image handling. `retryable` tells the activity wrapper
// whether a retry can help; `type` is a stable name for failure reporting.

export abstract class ImageError extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;
}

export class InvalidImageSourceError extends ImageError {
  readonly type = 'InvalidImageSource';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidImageSourceError';
  }
}

export class InvalidChecksumError extends ImageError {
  readonly type = 'InvalidChecksum';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidChecksumError';
  }
}

export class ImageChecksumMismatchError extends ImageError {
  readonly type = 'ImageChecksumMismatch';
  readonly retryable = false;
  constructor(
    readonly source: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `image from ${source} has checksum ${actual} but ${expected} was expected: the image or its checksum is wrong (nothing was cached)`,
    );
    this.name = 'ImageChecksumMismatchError';
  }
}

export class CorruptImageError extends ImageError {
  readonly type = 'CorruptImage';
  readonly retryable = false;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`image ${path} is corrupt: ${detail}`);
    this.name = 'CorruptImageError';
  }
}

/** A well-formed image we refuse to use (e.g. a qcow2 with a backing file). */
export class UnsupportedImageError extends ImageError {
  readonly type = 'UnsupportedImage';
  readonly retryable = false;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`image ${path} cannot be used: ${detail}`);
    this.name = 'UnsupportedImageError';
  }
}

/** The download failed (network, HTTP status); a retry may help unless the status says otherwise. */
export class ImageDownloadError extends ImageError {
  readonly type = 'ImageDownloadFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ImageDownloadError';
  }
}

/** The image URL points at an address images may not come from (image-networks.ts). */
export class ImageSourceRefusedError extends ImageError {
  readonly type = 'ImageSourceRefused';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ImageSourceRefusedError';
  }
}
