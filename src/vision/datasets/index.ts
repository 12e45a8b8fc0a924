// torchvision.datasets: image folders.
export { ImageFolder, findClasses, makeDataset, IMG_EXTENSIONS, type ImageFolderOptions, type TransformLike } from "./image-folder.js";
