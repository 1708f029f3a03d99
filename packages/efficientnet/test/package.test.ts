import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('package entry', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@op-screen/efficientnet');
  });
});
