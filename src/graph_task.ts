/**
 * The graph VAE's training task for the Trainer (src/trainer.ts): one epoch is one full-graph
 * step, as in the paper's protocol, and the evaluation after each epoch is the link prediction
 * of the validation edges (ROC AUC and average precision from the posterior means).
 */
import type { GraphVae } from './graph_vae.js';
import { linkMetrics, type LinkMetrics } from './graph/link.js';
import type { EdgeSplit } from './graph/split.js';
import type { TrainingTask } from './trainer.js';

/** The held-out pairs a task evaluates on. */
export type HeldOutPairs = Pick<EdgeSplit, 'valPos' | 'valNeg'>;

/** A graph VAE task: an epoch is one step on the whole graph; after it, validation AUC and AP (NaN without validation edges). */
export function graphTask(split: HeldOutPairs): TrainingTask<GraphVae, LinkMetrics> {
  return {
    stepsPerEpoch: 1,
    // One graph per step: the trainer's rates count graphs (epochs) per second.
    batch: 1,
    *batches() {
      yield 1;
    },
    step: (model) => model.step(),
    evaluate: async (model) => linkMetrics(await model.embed(), model.config.latent, split.valPos, split.valNeg),
  };
}
