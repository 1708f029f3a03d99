export { type DoctorReport, doctor } from './doctor.js';
