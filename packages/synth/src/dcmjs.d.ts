declare module 'dcmjs' {
  const dcmjs: {
    data: {
      DicomDict: new (
        meta: Record<string, unknown>,
      ) => { dict: Record<string, unknown>; write(): ArrayBuffer };
      DicomMetaDictionary: {
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
        naturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
      };
      DicomMessage: {
        readFile(buf: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> };
      };
    };
  };
  export default dcmjs;
}
