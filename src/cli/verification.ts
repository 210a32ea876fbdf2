/** A bit-exact comparison that failed: exit code 3. */
export class VerificationFailed extends Error {}
