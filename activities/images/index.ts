// Public surface of the images unit: the cache, source/checksum parsing, format inspection.
export {
  ImageCache,
  cacheKey,
  type ImageCacheOptions,
  type EnsureOptions,
  type EnsureResult,
  type ImageCacheStats,
  type EnsureFileResult,
} from './image-cache';
export {
  parseImageSource,
  parseChecksum,
  checksumFromIronic,
  formatChecksum,
  redactUrl,
  type ImageSource,
  type Checksum,
  type ChecksumAlgo,
  type IronicImageChecksumFields,
} from './image-source';
export { detectFormat, inspectImage, type ImageFormatInfo } from './image-format';
export { info, check, convertToRaw, virtualSize, type DiskFormat, type QemuImgInfo, type QemuImgCheck } from './qemu-img';
export * from './errors';
