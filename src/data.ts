/**
 * webgpu-vae/data: readers of every data format (IDX, NumPy, CSV / TSV, CIFAR-10, image folders,
 * plain or gzipped), scaling, splits, anomaly metrics and export writers (docs/DATA_FORMATS.md).
 * No decoders here: image folders take the caller's PNG / JPEG decoder. The MNIST IDX reader, the
 * embedded digits and the dataset helpers are in `webgpu-vae/core` (and `webgpu-vae`).
 */
export { DataFileError, MAX_DATA_BYTES, plainBytes, type ProgressCallback } from './data/data_file.js';
export { encodeNpy, npyHeader, parseNpyData, parseNpyLabels, type NpyData, type NpyHeader } from './data/npy.js';
export { labelsFromText, parseCsv, parseLabelColumn, type CsvTable, type LabelColumn } from './data/csv.js';
export { CIFAR10_CLASSES, parseCifarBatch, parseCifarMeta, type CifarBatch } from './data/cifar10.js';
export { imageHeader, type ImageHeader } from './data/image_header.js';
export { fromRgba, toPlanar, type DecodedImage } from './data/pixels.js';
export { parseImageSize, resizeCenterCrop } from './data/resize.js';
export { planImageFolder, readImageFolder, type ImageDecoder, type SourceFile } from './data/image_folder.js';
export { DATA_FORMATS, detectFormat, parseDataFormat, type DataFormat } from './data/formats.js';
export { loadSource, type DataSource, type LoadedData, type LoadOptions } from './data/load.js';
export { parseSplitMode, splitSet, type SplitMode } from './data/split.js';
export {
  checkBernoulliRange, fitScaling, NORMALIZE_MODES, parseNormalizeMode, scalingFromMetadata, scalingToMetadata, unscale, withScaling, type NormalizeMode, type Scaling,
} from './data/normalize.js';
export { anomalyMetrics, resolveNormalLabel, scoredRows, thresholdFromMetadata, thresholdToMetadata, trainingThreshold, type AnomalyMetrics, type ScoredRow } from './data/anomaly_metrics.js';
export { exportFiles, exportKind } from './data/export_any.js';
export { layColorGrid, type RgbImage } from './views/image_grid.js';
export { seriesPanels, type SeriesPanels } from './views/series_panels.js';
export { writeIdxImages, writeIdxLabels } from './data/idx_write.js';
export { IDX_FILE_NAMES, splitToIdxFiles, type IdxFile } from './data/export.js';
