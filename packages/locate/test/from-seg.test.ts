import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from '@op-screen/mri-io';
import { describe, expect, it } from 'vitest';
import { fromSegmentation, LABEL_TABLES } from '../src/from-seg.js';
import { REAL_SPINE } from './real-spine.js';

// case.json's boxes were computed by the data's own tool (tools/make_real_spine.py) from the
// same masks: the import must give exactly them, slice included.
describe('fromSegmentation on real masks', () => {
  for (const id of ['myosegmentum/VB3_07', 'zukic/VB1_10']) {
    it(`gives the masks' own boxes for ${id}`, async () => {
      const dir = join(REAL_SPINE, id);
      const card = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
      const mask = await readNifti(join(dir, 'mask.nii.gz'));
      const r = fromSegmentation(mask, { labels: 'verse', slice: card.mid_sagittal_slice_k });
      // left alone, it picks the slice with the most L1-L4 area: the same or a neighbour
      expect(
        Math.abs(fromSegmentation(mask, { labels: 'verse' }).slice - card.mid_sagittal_slice_k),
      ).toBeLessThanOrEqual(1);
      for (const level of ['L1', 'L2', 'L3', 'L4']) {
        const t = card.bbox_on_mid_sagittal_slice[level];
        const b = r.levels[level as 'L1'];
        expect(b, level).toBeDefined();
        expect(b?.rect).toEqual({
          x: t.cols[0],
          y: t.rows[0],
          width: t.cols[1] - t.cols[0] + 1,
          height: t.rows[1] - t.rows[0] + 1,
        });
      }
      expect(r.csf).not.toBeNull();
    });
  }

  it("reads the same boxes through another tool's table after relabelling", async () => {
    const mask = await readNifti(join(REAL_SPINE, 'zukic/VB1_10/mask.nii.gz'));
    const verse = fromSegmentation(mask, { labels: 'verse' });
    const map = new Map<number, number>();
    for (const [level, v] of Object.entries(LABEL_TABLES.verse))
      map.set(v as number, (LABEL_TABLES.totalspineseg as Record<string, number>)[level]);
    const data = mask.data.slice() as typeof mask.data;
    for (let i = 0; i < data.length; i++) data[i] = map.get(data[i] as number) ?? 0;
    const tss = fromSegmentation({ ...mask, data, scaling: null }, { labels: 'totalspineseg' });
    expect(tss.slice).toBe(verse.slice);
    for (const l of ['L1', 'L2', 'L3', 'L4'] as const)
      expect(tss.levels[l]?.rect).toEqual(verse.levels[l]?.rect);
  });

  it('refuses a table under which the map holds no lumbar level (BAD_LABELS)', async () => {
    const mask = await readNifti(join(REAL_SPINE, 'zukic/VB1_10/mask.nii.gz'));
    expect(() => fromSegmentation(mask, { labels: 'totalspineseg' })).toThrow(
      expect.objectContaining({ code: 'BAD_LABELS' }),
    );
  });
});
