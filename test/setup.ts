// Every test runs with all layer types registered, as the CLI and the page do (src/layers/all.ts).
import '../src/layers/all.js';
