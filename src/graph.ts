/**
 * webgpu-vae/graph: the graph VAE (VGAE / GAE, Kipf & Welling 2016): model, data, split, metrics,
 * task, checkpoints. Importing it registers the `gcn` layer type its models are made of; the
 * trainer is `Trainer` from `webgpu-vae/core` (or `webgpu-vae`).
 */
import { GCN } from './layers/gcn.js';
import { registerLayerTypes } from './layers/registry.js';

registerLayerTypes(GCN);

export { GCN };
export type { GcnSpec } from './layers/gcn.js';
export { GraphVae, initGraphParameters, type GraphVaeOptions, type GraphInput, type GraphModelConfig } from './graph/graph_vae.js';
export { GRAPH_SEGMENT, GRAPH_TRAIN_STEP, GRAPH_PARAM } from './graph/graph_network.js';
export { graphTask, heldOutNotice, prepareGraph, type GraphSplitOptions, type HeldOutPairs, type PreparedGraph } from './graph/graph_task.js';
export { GRAPH_VAE_ADAM, GRAPH_VAE_DEFAULTS, graphModelConfig, type GraphVaeConfig } from './graph/config.js';
export { resolveGraphConfig } from './config.js';
export { describeGraph, edgeCount, identityFeatures, withoutFeatures, type CsrMatrix, type DroppedEdges, type Graph } from './graph/graph.js';
export { parseEdgeList, parseLinqs, readEdgeList, readLinqs, type EdgeListOptions, type HeaderMode, type NamedBytes, type NamedNodeTable } from './graph/linqs.js';
export { GraphFileError } from './graph/text.js';
export { pickGraphFiles, readGraphFiles, type GraphFiles } from './graph/files.js';
export { CORA_FILES, CORA_NAME, embeddedCora } from './graph/cora.js';
export { graphAdjacency, transposeCsr, type GraphAdjacency } from './graph/adjacency.js';
export { drawNonEdges, splitEdges, type EdgeSplit, type SplitOptions } from './graph/split.js';
export { parseNodeTable, sortClassNames, type NodeTable, type ReadProgress } from './graph/node_table.js';
export { blockStart, checkBlockModel, stochasticBlockModel, type BlockModelGraph, type BlockModelOptions } from './graph/generate.js';
export { averagePrecision, hitsAtK, rocAuc } from './graph/metrics.js';
export { HITS_DEFAULTS, hitsNegatives, linkHits } from './graph/hits.js';
export { linkMetrics, linkScores, pairLogits, type LinkMetrics } from './graph/link.js';
export { glorotUniform, initGraphVae, type GraphVaeWeights } from './graph/init.js';
export {
  checkSameGraph, graphFingerprint, loadGraphCheckpoint, saveGraphCheckpoint, type GraphCheckpointInfo, type SplitRecord,
} from './checkpoint/graph_checkpoint.js';
