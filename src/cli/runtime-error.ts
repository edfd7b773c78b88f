/**
 * One-line, path-free text for errors that come out of onnxruntime (issue 13, finding 10: some
 * errors printed onnxruntime's build paths, e.g. `/mnt/azure_nvme_temp/_work/1/s/onnxruntime/
 * core/graph/model_load_utils.h:56 void onnxruntime::...(...)`). The path, line and C++ signature
 * say nothing to a user; the sentence after them does.
 */

/** A build path with its line number, then an optional C++ function signature. */
const BUILD_PATH = /(?:[A-Za-z]:)?[/\\][^\s:]*\.(?:h|hpp|hh|cc|cpp|cxx|c|cu|mm?):\d+(?:\s+[^()\s][^()]*\([^()]*(?:\([^()]*\)[^()]*)*\)(?:\s*const)?)?\s*/g;
/** onnxruntime-web's wrappers around the real message. */
const ORT_WRAPPER = /(?:Can't create a session|failed to call OrtRun\(\)|failed to create session)\.? ?(?:ERROR_CODE: \d+, )?ERROR_MESSAGE: /gi;

/** Most characters kept of a runtime message. */
export const MAX_RUNTIME_MESSAGE_CHARS = 300;

/** The first line of `message`, without build paths, C++ signatures or ORT's wrapper text, at most 300 characters. */
export function cleanRuntimeMessage(message: string): string {
  let text = (message.split('\n')[0] ?? '').replace(ORT_WRAPPER, '').replace(BUILD_PATH, '').replace(/\s+/g, ' ').trim();
  if (text.length > MAX_RUNTIME_MESSAGE_CHARS) text = `${text.slice(0, MAX_RUNTIME_MESSAGE_CHARS - 3)}...`;
  return text;
}
