/**
 * Conformance slips the readers tolerate. Each is reported, never silent: a read result carries
 * `warnings`, each with a stable `code` (callers branch on it) and a message that names the
 * element or marker. Messages hold no patient identifiers.
 */
export type MriIoWarningCode =
  /** Encapsulated Pixel Data ends at the end of the file without its (FFFE,E0DD) delimiter. */
  | 'MISSING_SEQUENCE_DELIMITER'
  /** An element other than an item inside encapsulated Pixel Data; what follows it was dropped. */
  | 'UNEXPECTED_TAG_IN_PIXEL_DATA'
  /** A sequence or item of undefined length runs to the end of the file without its delimiter. */
  | 'UNTERMINATED_SEQUENCE'
  /** Any other slip dicom-parser reported while parsing (message kept). */
  | 'PARSER_WARNING'
  /** No preamble, "DICM" and file meta: the data set was read the way dcmtk reads it. */
  | 'NO_FILE_META'
  /** The file meta lacks (0002,0010); the transfer syntax was inferred from the data set. */
  | 'TRANSFER_SYNTAX_INFERRED'
  /** A JPEG-LS frame's sample precision differs from BitsStored (the stream's precision is used). */
  | 'JPEG_LS_PRECISION_MISMATCH'
  /** Both a Modality LUT Sequence and RescaleSlope/Intercept: the LUT is applied, as pydicom does. */
  | 'MODALITY_LUT_AND_RESCALE'
  /** A Modality LUT whose LUT Data holds fewer entries than its descriptor says: the data's count is used. */
  | 'MODALITY_LUT_SHORT'
  /** Float/Double Float Pixel Data without BitsAllocated, or with another value than 32/64: 32/64 assumed. */
  | 'BITS_ALLOCATED_ASSUMED'
  /** Native Pixel Data holds more bytes than the image needs (beyond the one byte of even-length padding). */
  | 'PIXEL_DATA_TRAILING_BYTES';

export interface MriIoWarning {
  code: MriIoWarningCode;
  message: string;
}

/** dicom-parser's warning strings, mapped to stable codes. */
export function parserWarning(text: string): MriIoWarning {
  const message = `dicom-parser: ${text}`;
  if (/missing sequence delimiter/i.test(text)) return { code: 'MISSING_SEQUENCE_DELIMITER', message };
  if (/unexpected tag .*pixel data/i.test(text)) return { code: 'UNEXPECTED_TAG_IN_PIXEL_DATA', message };
  if (/eof encountered/i.test(text)) return { code: 'UNTERMINATED_SEQUENCE', message };
  return { code: 'PARSER_WARNING', message };
}
