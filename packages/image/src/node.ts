/** @mmada/image/node — reading and writing image files (Node only). */
export { readImage, readPng, writePng } from './image-file.js';
