// The page's graph mode end to end in Firefox ESR, with the same assertions as in Chromium
// (test/e2e/graph_page_suite.ts): the VGAE on the embedded Cora, and dropped LINQS files.
import { graphPageSuite } from '../e2e/graph_page_suite.js';

graphPageSuite('firefox');
