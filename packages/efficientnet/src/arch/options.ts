/** Options shared by every architecture builder (see README, "Model options"). */
export interface ModelOptions {
  /** `[height, width, channels]` (NHWC without the batch). Default: the variant's size, 3 channels. */
  inputShape?: [number, number, number];
  /** Input channels: 3 (RGB) or 1 (grayscale; loaders sum the first conv's RGB weights). Ignored if `inputShape` is given. */
  channels?: 1 | 3;
  /** Classifier outputs (default 1000, ImageNet). Use 1 or 2 for a binary head. */
  numClasses?: number;
  /** Keep the classifier (default true). With false the output is the pooled features or the feature map. */
  includeTop?: boolean;
  /** Pooling when `includeTop` is false: 'avg' (default), 'max' or null (feature map). */
  pooling?: 'avg' | 'max' | null;
  /** Classifier dropout (default: the variant's; only active in training). */
  dropout?: number;
  /** Maximum stochastic-depth rate (EfficientNet family; default the variant's; training only). */
  stochasticDepth?: number;
  /** BatchNorm epsilon (default: the variant's torchvision value; Keras weights need 1e-3). */
  bnEpsilon?: number;
  /**
   * Stride-2 padding: 'torch' (default) pads symmetrically by (k-1)/2 like torchvision; 'tf' uses
   * TensorFlow 'same' (asymmetric for even inputs), which is what Keras-applications weights expect.
   */
  padding?: 'torch' | 'tf';
  /** Activation of the classifier output: 'linear' (logits, default), 'sigmoid' or 'softmax'. */
  classifierActivation?: 'linear' | 'sigmoid' | 'softmax';
  /** Initial weights: 'random' (seeded He/Glorot, default) or 'zeros' (fast when loading weights next). */
  init?: 'random' | 'zeros';
  /**
   * Classifier initialisation. 'zeros': kernel and bias exactly zero (every logit 0, p = 0.5, a
   * first-epoch loss near ln 2 = 0.69). 'random': the seeded torchvision uniform init (follows
   * `init`); a fresh random one-logit head gives training-mode logits with SD 6-13 and a
   * first-epoch loss of 4-6.5. 'default' is the old name of 'random'. Default: 'zeros' for
   * `numClasses: 1` (binary fine-tuning), 'random' for any other head. The weight loaders never
   * touch a head they skip, so a zero head stays zero after loading a backbone.
   */
  headInit?: 'zeros' | 'random' | 'default';
  /** Seed of the random initialisers and stochastic depth (default 0). */
  seed?: number;
  /**
   * Inference-only graph: BatchNorm folded into the preceding conv (conv gets a bias, ReLU is fused
   * into the conv). Fill it with `foldBatchNorm(trainedModel, ...)`. Not for training.
   */
  foldBatchNorm?: boolean;
  /** tfjs model name (default: the architecture name). */
  name?: string;
}
