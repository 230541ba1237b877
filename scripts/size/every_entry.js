// Every entry of the package together: the main entry, the data readers and the graph VAE.
export * from 'webgpu-vae';
export * from 'webgpu-vae/data';
export * from 'webgpu-vae/graph';
