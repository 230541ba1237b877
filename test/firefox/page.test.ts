// The training page end to end in Firefox ESR, with the same assertions as in Chromium
// (test/e2e/page_suite.ts): images (MLP and conv), checkpoints saved and loaded, every kind of
// dropped file, device loss, the guard, and the advice where WebGPU is off.
import { trainingPageSuite } from '../e2e/page_suite.js';

trainingPageSuite('firefox');
