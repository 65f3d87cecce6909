/** Brings up the deployment the live tests need (FAULTLINE_COORDINATION, FAULTLINE_STATE), noting what it started. */
export function up(): void;
/** Puts back what up() started; a deployment that already ran is left running. */
export function down(): void;
