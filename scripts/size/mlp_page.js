// The page the "MLP-only" size goal is about, as a third party writes it against the installed
// package: the MNIST IDX files read, an MLP VAE trained on them, its losses shown and a few
// digits reconstructed. It imports webgpu-vae/core and registers the linear layer type only.
// Bundled by scripts/size.mjs (esbuild --bundle --minify); never run.
import { epochBatches, makeDataset, readIdxImages, readIdxLabels, registerLayerTypes, Vae } from 'webgpu-vae/core';
import { LINEAR } from 'webgpu-vae/layers/linear';

registerLayerTypes(LINEAR);

const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const train = makeDataset(
  'train',
  await readIdxImages(await bytes('train-images-idx3-ubyte.gz'), 'train images'),
  await readIdxLabels(await bytes('train-labels-idx1-ubyte.gz'), 'train labels'),
);
const batch = 128;
const vae = await Vae.create({ config: { inputSize: 784, hidden: [400], latent: 20, batch } });
const x = new Float32Array(batch * 784);
const status = document.querySelector('#status');
for (let epoch = 1; epoch <= 5; epoch++) {
  for (const count of epochBatches(train, batch, 1, epoch, x)) await vae.step(x, count);
  const losses = await vae.losses();
  status.textContent = `epoch ${epoch}: loss ${losses.at(-1)?.loss.toFixed(2)}`;
}
const digits = await vae.reconstruct(x.subarray(0, 8 * 784), 8);
status.dataset.reconstructed = String(digits.length);
vae.destroy();
