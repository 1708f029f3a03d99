// The model card of the shipped weights (weights/locate-v1.json), bundled at build time so the
// loaders can check the weights' sha256 without reading a second file.
import card from '../weights/locate-v1.json';

export interface ModelCard {
  name: string;
  version: string;
  weights: string;
  sha256: string;
  bytes: number;
  parameters: number;
  spacingMm: number;
  training: {
    command: string;
    seed: number;
    epochs: number;
    cases: number;
    datasets: Array<{ name: string; cases: number; citation: string; terms: string }>;
    record: string;
  };
  evaluation: string;
  intendedUse: string;
}

export const MODEL_CARD: ModelCard = card as ModelCard;
