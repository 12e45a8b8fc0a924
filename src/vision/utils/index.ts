// torchvision.utils: image grids and saving tensors as images.
export { makeGrid, saveImage, type MakeGridOptions, type SaveImageOptions } from "./make-grid.js";
