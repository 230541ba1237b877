/**
 * webgpu-vae: train and run variational autoencoders with hand-written WebGPU compute shaders.
 * This bundle has no dependencies; bring a GPUDevice (or let it use navigator.gpu).
 */
export { Vae, pickLinearVariant, type VaeOptions, type StepLoss } from './vae.js';
export {
  checkSetting, ConfigError, DEFAULT_ADAM, DEFAULT_CONFIG, describeObjective, imageDims, parseSetting, resolveAdam, resolveConfig, SETTINGS,
  type AdamConfig, type Likelihood, type ModelKind, type SettingName, type VaeConfig,
} from './config.js';
export { DEFAULT_CONV, type Architecture } from './config.js';
export { convLayer, type Conv2dSpec, type ConvLayerGeometry, type ConvTranspose2dSpec } from './kernels/conv2d.js';
export { describeModel, layerSpecs, modelLayers, parameterCount, type ModelDescription } from './model.js';
export { layerType, type LayerSpec, type LayerType, type ParameterSpec } from './layers.js';
export { Trainer, vaeTask, type EpochEnd, type TrainerEvents, type TrainerNotice, type TrainerOptions, type TrainerProgress, type TrainingTask, type RunOptions } from './trainer.js';
export { DeviceLostError, DivergedError } from './errors.js';
export { initParameters, type ParameterSet } from './init.js';
export { philox4x32, philoxNormal } from './philox.js';
export type { LinearVariant } from './kernels/linear.js';
export type { NoiseMode } from './kernels/reparameterize.js';
export { readIdxImages, readIdxLabels, type IdxImages } from './data/idx.js';
export { epochBatches, fillBatch, makeDataset, orderedBatches, shuffled, subset, type Dataset } from './data/dataset.js';
export { EMBEDDED_FILES, EMBEDDED_TRAIN, embeddedMnist, type Split } from './data/mnist.js';
export { decodeSafetensors, encodeSafetensors } from './checkpoint/safetensors.js';
export { configName, loadCheckpoint, saveCheckpoint } from './checkpoint/checkpoint.js';
export { requestDeviceFor } from './gpu/device.js';
export { DivergenceGuard, lossExploded, type GuardEvent, type GuardOptions } from './guard.js';
export type { TrainingState, EvalResult } from './vae.js';
export { lerpPath, slerpPath } from './latent.js';
export { anomalyScores, importanceWeightedScores, interpolate, INTERPOLATION_PATHS, priorMismatch, type InterpolationPath } from './toolkit.js';
export { project2d, type Projection } from './pca.js';
export {
  axisTitles, LABEL_COLORS, latentView, MANIFOLD_RANGE, MANIFOLD_SIDE, manifoldGrid, plotWindow, SCATTER_COUNT, UNLABELLED_COLOR, type LatentView, type PlotWindow,
} from './latent_view.js';
