import dcmjs from 'dcmjs';
import { createRng, deriveSeed, type Rng } from './rng.js';

const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** 2.25 root (UUID-derived UIDs, PS3.5 B.2): no registered org root is needed. */
const IMPLEMENTATION_CLASS_UID = '2.25.227512104916497306563153862441618436993';

/** A 2.25.<128-bit decimal> UID drawn from a seeded RNG, so a seeded cohort is reproducible. */
export function seededUid(rng: Rng): string {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(Math.floor(rng.next() * 4294967296));
  return `2.25.${v.toString(10)}`;
}

export interface SeriesToWrite {
  slices: Uint16Array[];
  rows: number;
  columns: number;
  pixelSpacing: number;
  sliceSpacing: number;
  seriesDescription: string;
  seriesNumber: number;
  /** T1: short TR/TE; T2: long. Written as RepetitionTime/EchoTime. */
  repetitionTime: number;
  echoTime: number;
  patientName: string;
  patientId: string;
  /** PatientSex (M/F) and PatientAge (e.g. 067Y), when given. */
  patientSex?: 'F' | 'M';
  patientAge?: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  seed: number;
}

/**
 * Encodes a sagittal series as DICOM Part 10 MR Image Storage files (explicit VR little endian).
 * Geometry: rows run posterior (+y LPS), columns run inferior (-z); slices step along -x
 * (right to left is +x in LPS, so file order is not slice order on purpose).
 */
export function encodeSagittalSeries(s: SeriesToWrite): ArrayBuffer[] {
  const rng = createRng(deriveSeed(s.seed, `uids-${s.seriesNumber}`));
  const seriesUid = seededUid(rng);
  const mid = s.slices.length >> 1;
  const files: ArrayBuffer[] = [];
  s.slices.forEach((px, k) => {
    const sopUid = seededUid(rng);
    const x = (k - mid) * -s.sliceSpacing;
    const ds: Record<string, unknown> = {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['DERIVED', 'SECONDARY', 'SYNTHETIC'],
      SOPClassUID: MR_IMAGE_STORAGE,
      SOPInstanceUID: sopUid,
      StudyDate: '20000101',
      Modality: 'MR',
      Manufacturer: 'op-screen synthetic cohort',
      SeriesDescription: s.seriesDescription,
      PatientName: s.patientName,
      PatientID: s.patientId,
      ...(s.patientSex ? { PatientSex: s.patientSex } : {}),
      ...(s.patientAge ? { PatientAge: s.patientAge } : {}),
      PatientIdentityRemoved: 'YES',
      BodyPartExamined: 'LSPINE',
      SliceThickness: s.sliceSpacing,
      RepetitionTime: s.repetitionTime,
      EchoTime: s.echoTime,
      MagneticFieldStrength: 3,
      StudyInstanceUID: s.studyInstanceUid,
      SeriesInstanceUID: seriesUid,
      SeriesNumber: s.seriesNumber,
      InstanceNumber: k + 1,
      ImagePositionPatient: [x, -0.5 * s.columns * s.pixelSpacing, 0.5 * s.rows * s.pixelSpacing],
      ImageOrientationPatient: [0, 1, 0, 0, 0, -1],
      FrameOfReferenceUID: s.frameOfReferenceUid,
      SliceLocation: x,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: s.rows,
      Columns: s.columns,
      PixelSpacing: [s.pixelSpacing, s.pixelSpacing],
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      RescaleIntercept: 0,
      RescaleSlope: 1,
      PixelData: [px.slice().buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: MR_IMAGE_STORAGE,
      MediaStorageSOPInstanceUID: sopUid,
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: 'OPSCREEN_SYN',
    };
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    files.push(dict.write());
  });
  return files;
}

/** Reads PatientName / PatientID of a DICOM file (used by tests and the identifier audit). */
export function readDicomIdentity(buf: ArrayBuffer): { patientName: string; patientId: string } {
  const msg = dcmjs.data.DicomMessage.readFile(buf);
  const nat = dcmjs.data.DicomMetaDictionary.naturalizeDataset(msg.dict) as {
    PatientName?: Array<{ Alphabetic?: string }> | string;
    PatientID?: string;
  };
  const pn = nat.PatientName;
  const patientName = typeof pn === 'string' ? pn : (pn?.[0]?.Alphabetic ?? '');
  return { patientName, patientId: String(nat.PatientID ?? '') };
}
