export { doctor, type DoctorReport } from './doctor.js';
