// Public surface of the iSCSI unit: write a raw image to a LUN, verify it, read capacity.
export { writeImage, DEFAULT_CHUNK_BYTES, type WriteImageInput, type WriteImageResult } from './write-image';
export { verifyImage, type VerifyImageInput } from './verify-image';
export { readLunCapacity } from './lun-capacity';
export { eraseLunMetadata } from './erase-metadata';
export { describeLun, type IscsiLun } from './lun';
export * from './errors';
export { writeLunWindows, type LunWindow } from './write-windows';
