/**
 * Keras-compatible epoch-end callbacks as pure state machines, so their behaviour on a loss
 * sequence is unit-testable and their state is checkpointable (`state()` / `restore()`). Both
 * implement {@link TrainCallback}, the one list through which `fineTune` runs its schedule.
 */

/** What a callback sees at the end of an epoch (after validation and best-weights bookkeeping). */
export interface EpochEndLogs {
  /** 1-based epoch number (as in the logs and EpochRecord). */
  epoch: number;
  loss: number;
  valLoss: number;
  /** The learning rate the next epoch would use (after earlier callbacks in the list). */
  learningRate: number;
}

/** A callback's answer: a new learning rate for the next epoch, and/or a request to stop. */
export interface EpochEndAction {
  learningRate?: number;
  stop?: boolean;
}

/**
 * An epoch-end callback, as in Keras: `fineTune` calls each in list order; a returned learning
 * rate is what later callbacks and the next epoch see. `state` / `restore` (JSON-serialisable)
 * put the callback into the per-epoch checkpoint, so a resumed run continues its schedule.
 */
export interface TrainCallback {
  /** Checkpoint key of this callback's state (unique in the list). */
  readonly name: string;
  onEpochEnd(logs: EpochEndLogs): EpochEndAction | undefined;
  state?(): unknown;
  restore?(state: unknown): void;
}

export interface ReduceLROnPlateauOptions {
  /** Multiplier applied to the learning rate on a plateau (0 < factor < 1). */
  factor: number;
  /** Epochs without improvement before reducing. */
  patience: number;
  /** Lower bound of the learning rate (default 0). */
  minLr?: number;
  /** Minimum decrease that counts as an improvement (default 1e-4, as Keras). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
}

export interface ReduceLROnPlateauState {
  best: number;
  wait: number;
  cooldownCounter: number;
}

/** Keras `ReduceLROnPlateau(mode='min')`: multiply the LR by `factor` after `patience` flat epochs. */
export class ReduceLROnPlateau implements TrainCallback {
  readonly name = 'plateau';
  readonly factor: number;
  readonly patience: number;
  readonly minLr: number;
  readonly minDelta: number;
  readonly cooldown: number;
  private best = Number.POSITIVE_INFINITY;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions) {
    if (!(options.factor > 0 && options.factor < 1))
      throw new RangeError(`factor must be in (0, 1), got ${options.factor}`);
    if (!(Number.isInteger(options.patience) && options.patience >= 0))
      throw new RangeError(`patience must be a non-negative integer, got ${options.patience}`);
    this.factor = options.factor;
    this.patience = options.patience;
    this.minLr = options.minLr ?? 0;
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
  }

  /** Feeds one epoch's monitored loss; returns the learning rate for the next epoch. */
  step(loss: number, lr: number): number {
    if (this.cooldownCounter > 0) this.cooldownCounter--;
    if (loss < this.best - this.minDelta) {
      this.best = loss;
      this.wait = 0;
      return lr;
    }
    if (this.cooldownCounter > 0) return lr;
    this.wait++;
    if (this.wait >= this.patience && lr > this.minLr) {
      this.cooldownCounter = this.cooldown;
      this.wait = 0;
      return Math.max(lr * this.factor, this.minLr);
    }
    return lr;
  }

  state(): ReduceLROnPlateauState {
    return { best: this.best, wait: this.wait, cooldownCounter: this.cooldownCounter };
  }

  onEpochEnd(logs: EpochEndLogs): EpochEndAction {
    return { learningRate: this.step(logs.valLoss, logs.learningRate) };
  }

  restore(s: ReduceLROnPlateauState): void {
    this.best = s.best;
    this.wait = s.wait;
    this.cooldownCounter = s.cooldownCounter;
  }
}

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Minimum decrease that counts as an improvement (default 0, as Keras). */
  minDelta?: number;
}

export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
}

/** Keras `EarlyStopping(mode='min')`: stop after `patience` epochs without improvement. */
export class EarlyStopping implements TrainCallback {
  readonly name = 'stopper';
  readonly patience: number;
  readonly minDelta: number;
  private best = Number.POSITIVE_INFINITY;
  private bestEpoch = -1;
  private wait = 0;

  constructor(options: EarlyStoppingOptions) {
    if (!(Number.isInteger(options.patience) && options.patience >= 0))
      throw new RangeError(`patience must be a non-negative integer, got ${options.patience}`);
    this.patience = options.patience;
    this.minDelta = options.minDelta ?? 0;
  }

  /** Feeds one epoch's monitored loss; returns true when training should stop now. */
  step(loss: number, epoch: number): boolean {
    if (loss < this.best - this.minDelta) {
      this.best = loss;
      this.bestEpoch = epoch;
      this.wait = 0;
      return false;
    }
    this.wait++;
    return this.wait >= this.patience;
  }

  state(): EarlyStoppingState {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  onEpochEnd(logs: EpochEndLogs): EpochEndAction {
    return { stop: this.step(logs.valLoss, logs.epoch) };
  }

  restore(s: EarlyStoppingState): void {
    this.best = s.best;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
  }
}
