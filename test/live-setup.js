import { up } from './live-deployment.js';
export default async function () {
  up();
}
