const GiB = 1024 ** 3;

/** A GPU people commonly train on and its memory as sold (vendors' "GB" are GiB: an 80 GB A100 has 80 GiB). */
export interface GpuMemorySize {
  name: string;
  memoryBytes: number;
}

/**
 * The budgets the fit page offers and scripts can read (`gpuMemorySizes`), smallest first. The usable share
 * is a little less than this (the CUDA context and the framework's allocator take some), so a prediction
 * within a few percent of the size is a close call.
 */
export const GPU_MEMORY_SIZES: readonly GpuMemorySize[] = [
  { name: "RTX 3060 / RTX 4070 12 GB", memoryBytes: 12 * GiB },
  { name: "T4 16 GB", memoryBytes: 16 * GiB },
  { name: "V100 16 GB", memoryBytes: 16 * GiB },
  { name: "RTX 4080 / RTX 4060 Ti 16 GB", memoryBytes: 16 * GiB },
  { name: "L4 24 GB", memoryBytes: 24 * GiB },
  { name: "A10G 24 GB", memoryBytes: 24 * GiB },
  { name: "RTX 3090 / RTX 4090 24 GB", memoryBytes: 24 * GiB },
  { name: "V100 32 GB", memoryBytes: 32 * GiB },
  { name: "RTX 5090 32 GB", memoryBytes: 32 * GiB },
  { name: "A100 40 GB", memoryBytes: 40 * GiB },
  { name: "A6000 / L40S 48 GB", memoryBytes: 48 * GiB },
  { name: "A100 80 GB", memoryBytes: 80 * GiB },
  { name: "H100 80 GB", memoryBytes: 80 * GiB },
  { name: "H200 141 GB", memoryBytes: 141 * GiB },
  { name: "MI300X 192 GB", memoryBytes: 192 * GiB },
];
