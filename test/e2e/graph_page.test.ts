// The page's graph mode end to end in Chromium (the suite: test/e2e/graph_page_suite.ts; in
// Firefox: test/firefox/graph_page.test.ts).
import { graphPageSuite } from './graph_page_suite.js';

graphPageSuite('chromium');
