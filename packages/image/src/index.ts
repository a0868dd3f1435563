/**
 * @mmada/image — 8-bit RGB images, bytes in and bytes out; runs in Node and in a browser bundle.
 * File reading and writing is in `@mmada/image/node`. This file is the public surface and nothing else.
 */
export { createImage, getPixel, setPixel, type Rgb, type RgbImage } from './rgb-image.js';
export { crc32 } from './crc32.js';
export { MAX_IMAGE_PIXELS, type DecodeOptions } from './decode-limits.js';
export { decodePng } from './png-decode.js';
export { encodePng } from './png-encode.js';
export { inflatedSize, scanPngChunks, type PngChunks, type PngHeader } from './png-chunks.js';
export { decodeJpeg, minimumScanBytes, readJpegFrame, type JpegFrame } from './jpeg-decode.js';
export { decodeImage } from './image-decode.js';
