/** Helpers for the stand-in's own tests. */
/** Runs a call that must fail and returns the RequestError for assertions. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; response: { data: any; headers: any } }> {
  try {
    await p;
  } catch (e) {
    return e as any;
  }
  throw new Error('expected the call to fail');
}
