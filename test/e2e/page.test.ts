// The training page end to end in Chromium (the suite: test/e2e/page_suite.ts; in Firefox:
// test/firefox/page.test.ts).
import { trainingPageSuite } from './page_suite.js';

trainingPageSuite('chromium');
