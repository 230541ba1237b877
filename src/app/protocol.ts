/**
 * Messages between the page (main thread) and the training worker. The worker owns the GPU
 * device, the model and the data; the page only sends commands and draws what comes back.
 * Large arrays travel as transferables (their buffers move, nothing is copied).
 */
import type { ScoredRow } from '../data/anomaly_metrics.js';
import type { InterpolationPath } from '../vae/toolkit.js';
import type { DataOptions, Settings } from './settings.js';

/** Commands from the page. */
export type ToWorker =
  /** Starts (or resumes) training; builds the model from `settings` if there is none. */
  | { type: 'start'; settings: Settings }
  | { type: 'pause' }
  /** Drops the model (and its progress); the next start builds a fresh one from `settings`. */
  | { type: 'reset' }
  /** Epochs to train in all; may change while training. */
  | { type: 'epochs'; epochs: number }
  /**
   * Dropped or chosen files, with their paths below what was dropped: four IDX files (labels
   * optional), an image folder, CIFAR-10 batches, .npy or CSV (plain or gzipped), read with the
   * data options; `seed` splits one set 80 / 20.
   */
  | { type: 'data'; files: File[]; paths: string[]; options: DataOptions; seed: number }
  | { type: 'embedded' }
  /** The model as a .safetensors file (loads into PyTorch), or (`state`) the resumable training state. */
  | { type: 'save'; state?: boolean }
  /** A model file, or a training state (which resumes exactly: Adam moments, step, data order). */
  | { type: 'load'; file: File; settings: Settings }
  /** Scores the test rows for the anomaly view. */
  | { type: 'anomalies' }
  /** Decodes the path (linear, or spherical: slerp) between the posterior means of two test digits. */
  | { type: 'interpolate'; a: number; b: number; path: InterpolationPath }
  /** Test hook, sent only with `?testhooks=1`: destroys the worker's device (as a driver reset loses it). */
  | { type: 'lose-device' };

/** What the adapter says about itself. */
export interface AdapterText {
  vendor: string;
  architecture: string;
  description: string;
  fallback: boolean;
  /** Features of the device the worker got (empty until it has one). */
  features: string[];
  /** The kernel variants the runtime picks on that device (kernel_note.ts; empty until it has one). */
  kernels?: string;
}

/** Training state as the page shows it. */
export type RunState = 'loading' | 'idle' | 'running' | 'paused' | 'done' | 'failed';

/** One point of the training loss curve (per step, per image). */
export interface LossPoint {
  step: number;
  recon: number;
  kl: number;
}

/**
 * Rows to draw, `count` of them one after the other: images (rows x cols, `channels` planes of
 * values in [0, 1], (C, H, W) order), or with `series` feature rows of `cols` values in the data's
 * units, drawn as line panels with `overlay` (reconstructions) and `reference` (clean rows) on them.
 */
export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  channels: 1 | 3;
  pixels: Float32Array;
  series?: boolean;
  overlay?: Float32Array;
  reference?: Float32Array;
}

/** Messages from the worker. */
export type FromWorker =
  | { type: 'adapter'; adapter: AdapterText }
  /** The data in use: counts, one row's shape, and the loader's line (empty for the embedded digits and IDX files). */
  | { type: 'dataset'; name: string; train: number; test: number; rows: number; cols: number; shape: number[]; labels: boolean; notice: string }
  /** The model the worker holds now (after start, reset or load); null when none. */
  | { type: 'model'; settings: Settings | null; inputShape: number[]; parameters: number; step: number }
  | { type: 'state'; state: RunState }
  | {
    type: 'progress'; epoch: number; epochs: number; step: number; totalSteps: number; epochStep: number; stepsPerEpoch: number;
    /** Share of the planned epochs done, 0 to 1. */
    fraction: number; samplesPerS: number; etaS: number; loss: number | null;
  }
  | { type: 'losses'; points: LossPoint[] }
  /** Test-set loss per image at a step (after each epoch, and before training). */
  | { type: 'test'; step: number; recon: number; kl: number }
  /** The image grids; `denoising` is rows of clean, corrupted (by `corruption`) and reconstructed digits. */
  | { type: 'images'; step: number; originals: ImageSet; reconstructions: ImageSet; samples: ImageSet; denoising: ImageSet; corruption: string }
  | {
    type: 'latent'; step: number; latent: number; points: Float32Array; labels: Uint8Array | null;
    /** Axis titles: z1/z2 for a 2-D latent space, principal components otherwise. */
    axes: [string, string]; manifold: ImageSet | null; manifoldRange: number;
  }
  | { type: 'interpolation'; a: number; b: number; path: InterpolationPath; frames: ImageSet }
  /**
   * The test rows' anomaly scores (negative ELBO, one draw): the highest, and with labels the AUC
   * and AP of label `normal` against the others (null without labels).
   */
  | { type: 'anomalies'; step: number; n: number; top: ScoredRow[]; classNames: readonly string[] | null; normal: string | null; auc: number | null; ap: number | null }
  | { type: 'checkpoint'; name: string; bytes: Uint8Array }
  /**
   * Something training survived (a rollback after an exploded loss, a lost device): the page
   * shows `message`; with `rewindTo`, training went back to that step (later points are dropped).
   */
  | { type: 'notice'; message: string; rewindTo: number | null }
  /** Training stopped after repeated rollbacks; it continues once the learning rate differs from `lr`. */
  | { type: 'diverged'; message: string; lr: number }
  /** The model now trains with learning rate `lr` (same state, from `step`). */
  | { type: 'lr'; lr: number; step: number }
  /** A problem the user can act on (bad file, bad setting); training state is kept. */
  | { type: 'error'; where: 'data' | 'model' | 'settings' | 'checkpoint'; message: string }
  /** The GPU is gone (no WebGPU, device lost, internal error): nothing more will run. */
  | { type: 'fatal'; message: string };
