import { down } from './live-deployment.js';
export default async function () {
  down();
}
