/**
 * webgpu-vae/core: the runtime of the image VAEs (the model, its spec, configuration, trainer,
 * checkpoints, the toolkit and views) with no layer type registered. A spec names its layer types
 * as text and they are registered at run time, so an application registers the ones it builds and
 * its bundle holds only their kernels:
 *
 *   import { registerLayerTypes, Vae } from 'webgpu-vae/core';
 *   import { LINEAR } from 'webgpu-vae/layers/linear';
 *   registerLayerTypes(LINEAR);
 *
 * `webgpu-vae` is this entry with every layer type registered; `webgpu-vae/data` holds the data
 * readers and `webgpu-vae/graph` the graph VAE (docs/embedding.md).
 */
export { Vae, pickLinearVariant, type VaeOptions, type StepLoss, type EvalOptions } from './vae/vae.js';
export {
  checkCorruption, checkSetting, ConfigError, CORRUPTIONS, corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, describeObjective, imageDims, parseCorruption, parseSetting,
  resolveAdam, resolveConfig, SETTINGS, type AdamConfig, type Corruption, type Likelihood, type ModelKind, type SettingName, type VaeConfig,
} from './config.js';
export { DEFAULT_CONV, type Architecture } from './config.js';
export type { Conv2dSpec, ConvLayerGeometry, ConvTranspose2dSpec } from './layers/conv2d.js';
export type { LinearSpec } from './layers/linear.js';
export { describeModel, layerSpecs, modelLayers, parameterCount } from './model/describe.js';
export { HEAD_DEFAULTS, parseSpec, resolveSpec, SpecError, type ModelDescription, type ModelSpec, type SpecEntry, type SpecHead, type SpecRow } from './model/spec.js';
export { expandShorthand } from './model/shorthand.js';
export { ACTIVATIONS, NO_ACTIVATION, RELU, type Activation, type ActivationKind } from './layers/activation.js';
export {
  findLayerType, layerType, registeredLayerTypes, registerLayerTypes, type LayerSpec, type LayerType, type ParameterSpec,
} from './layers/registry.js';
export { Trainer, vaeTask, type VaeEvaluation, type EpochEnd, type TrainerEvents, type TrainerNotice, type TrainerOptions, type TrainerProgress, type TrainingTask, type RunOptions } from './runtime/trainer.js';
export { DeviceLostError, DivergedError } from './runtime/errors.js';
export { initParameters, type ParameterSet } from './model/init.js';
export { philox4x32, philoxNormal } from './runtime/philox.js';
export type { LinearVariant } from './kernels/linear.js';
export type { NoiseMode } from './kernels/reparameterize.js';
export { readIdxImages, readIdxLabels, type IdxImages } from './data/idx.js';
export { epochBatches, fillBatch, fingerprint, makeDataset, orderedBatches, shuffled, subset, type Dataset } from './data/dataset.js';
// Datasets of every shape: images and feature rows (their readers are in webgpu-vae/data).
export { channelsOf, isFeatureRows, pixelsOf, shapeOf, type AnyDataset, type Labels } from './data/dataset.js';
export { EMBEDDED_FILES, EMBEDDED_TRAIN, embeddedMnist, type Split } from './data/mnist.js';
export { decodeSafetensors, encodeSafetensors } from './checkpoint/safetensors.js';
export { configName, loadCheckpoint, saveCheckpoint } from './checkpoint/checkpoint.js';
export { inferConfig } from './checkpoint/infer.js';
export { isTrainState, loadTrainState, saveTrainState, trainStatePath, type TrainState } from './checkpoint/train_state.js';
export { requestDeviceFor } from './gpu/device.js';
export { DivergenceGuard, lossExploded, type GuardEvent, type GuardOptions } from './runtime/guard.js';
export type { TrainingState, EvalResult } from './vae/vae.js';
export { lerpPath, slerpPath } from './views/latent.js';
export { anomalyScores, importanceWeightedScores, interpolate, INTERPOLATION_PATHS, priorMismatch, type InterpolationPath } from './vae/toolkit.js';
export { project2d, type Projection } from './views/pca.js';
export {
  axisTitles, LABEL_COLORS, latentView, MANIFOLD_RANGE, MANIFOLD_SIDE, manifoldGrid, plotWindow, SCATTER_COUNT, UNLABELLED_COLOR, type LatentView, type PlotWindow,
} from './views/latent_view.js';
