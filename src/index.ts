/**
 * webgpu-vae: train and run variational autoencoders with hand-written WebGPU compute shaders.
 * This bundle has no dependencies; bring a GPUDevice (or let it use navigator.gpu).
 */
export { Vae, pickLinearVariant, type VaeOptions, type StepLoss, type EvalOptions } from './vae/vae.js';
export {
  checkCorruption, checkSetting, ConfigError, CORRUPTIONS, corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, describeObjective, imageDims, parseCorruption, parseSetting,
  resolveAdam, resolveConfig, SETTINGS, type AdamConfig, type Corruption, type Likelihood, type ModelKind, type SettingName, type VaeConfig,
} from './config.js';
export { DEFAULT_CONV, type Architecture } from './config.js';
export { convLayer, type Conv2dSpec, type ConvLayerGeometry, type ConvTranspose2dSpec } from './kernels/conv2d.js';
export { describeModel, layerSpecs, modelLayers, parameterCount, type ModelDescription } from './model/describe.js';
export { layerType, type LayerSpec, type LayerType, type ParameterSpec } from './layers/registry.js';
export { Trainer, vaeTask, type VaeEvaluation, type EpochEnd, type TrainerEvents, type TrainerNotice, type TrainerOptions, type TrainerProgress, type TrainingTask, type RunOptions } from './runtime/trainer.js';
export { DeviceLostError, DivergedError } from './runtime/errors.js';
export { initParameters, type ParameterSet } from './model/init.js';
export { philox4x32, philoxNormal } from './runtime/philox.js';
export type { LinearVariant } from './kernels/linear.js';
export type { NoiseMode } from './kernels/reparameterize.js';
export { readIdxImages, readIdxLabels, type IdxImages } from './data/idx.js';
export { epochBatches, fillBatch, fingerprint, makeDataset, orderedBatches, shuffled, subset, type Dataset } from './data/dataset.js';
export { writeIdxImages, writeIdxLabels } from './data/idx_write.js';
export { IDX_FILE_NAMES, splitToIdxFiles, type IdxFile } from './data/export.js';
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

// The graph VAE (VGAE / GAE, Kipf & Welling 2016): model, data, split, metrics, task, checkpoints.
export { GraphVae, graphArenaLayout, initGraphParameters, type GraphVaeOptions, type GraphInput, type GraphModelConfig } from './graph/graph_vae.js';
export { GRAPH_SEGMENT, GRAPH_TRAIN_STEP, GRAPH_PARAM } from './graph/graph_network.js';
export { graphTask, heldOutNotice, prepareGraph, type GraphSplitOptions, type HeldOutPairs, type PreparedGraph } from './graph/graph_task.js';
export { GRAPH_VAE_ADAM, GRAPH_VAE_DEFAULTS, type GraphVaeConfig } from './graph/config.js';
export { resolveGraphConfig } from './config.js';
export { describeGraph, edgeCount, identityFeatures, withoutFeatures, type CsrMatrix, type DroppedEdges, type Graph } from './graph/graph.js';
export { parseEdgeList, parseLinqs, readEdgeList, readLinqs, type EdgeListOptions, type HeaderMode, type NamedBytes, type NamedNodeTable } from './graph/linqs.js';
export { parseNodeTable, sortClassNames, type NodeTable, type ReadProgress } from './graph/node_table.js';
export { blockStart, checkBlockModel, stochasticBlockModel, type BlockModelGraph, type BlockModelOptions } from './graph/generate.js';
export { GraphFileError } from './graph/text.js';
export { pickGraphFiles, readGraphFiles, type GraphFiles } from './graph/files.js';
export { CORA_FILES, CORA_NAME, embeddedCora } from './graph/cora.js';
export { graphAdjacency, transposeCsr, type GraphAdjacency } from './graph/adjacency.js';
export { drawNonEdges, splitEdges, type EdgeSplit, type SplitOptions } from './graph/split.js';
export { averagePrecision, hitsAtK, rocAuc } from './graph/metrics.js';
export { HITS_DEFAULTS, hitsNegatives, linkHits } from './graph/hits.js';
export { linkMetrics, linkScores, pairLogits, type LinkMetrics } from './graph/link.js';
export { glorotUniform, initGraphVae, type GraphVaeWeights } from './graph/init.js';
export {
  checkSameGraph, graphFingerprint, loadGraphCheckpoint, saveGraphCheckpoint, type GraphCheckpointInfo, type SplitRecord,
} from './checkpoint/graph_checkpoint.js';
