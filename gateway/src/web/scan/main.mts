/**
 * The scan page: read a pack's code (handheld scanner, typed, image, camera),
 * verify it through the gateway and show the verdict; a pharmacy user can
 * dispense the verified pack. The API key stays in sessionStorage (this tab).
 */
import { BrowserMultiFormatReader, type IScannerControls } from "@zxing/browser";
import { BarcodeFormat, DecodeHintType } from "@zxing/library";
import { normaliseTypedCode, showSeparators } from "./typed-input.mjs";
import { coldChainWords, expiryWords, reasonWords, statusWords } from "./words.mjs";

const KEY_STORAGE = "rxtrace.apiKey";

interface PackIds {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
}

interface CustodyStep {
  at: string;
  channel: string;
  status: string;
  owner: string;
}

interface VerifyAnswer {
  verified: boolean;
  reason?: string;
  additionalInfo: string[];
  status?: string;
  owner?: string;
  pack: PackIds;
  channel: string;
  provenance: { product?: { name?: string; strength?: string; form?: string; manufacturer: string }; custody: CustodyStep[] } | null;
}

interface ErrorAnswer {
  code?: string;
  message?: string;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`scan page: no element #${id}`);
  return found as T;
}

const ui = {
  keyForm: element<HTMLFormElement>("key-form"),
  key: element<HTMLInputElement>("api-key"),
  who: element("who"),
  codeForm: element<HTMLFormElement>("code-form"),
  code: element<HTMLInputElement>("code"),
  image: element<HTMLInputElement>("image"),
  cameraStart: element<HTMLButtonElement>("camera-start"),
  cameraStop: element<HTMLButtonElement>("camera-stop"),
  video: element<HTMLVideoElement>("video"),
  read: element("read"),
  error: element("error"),
  result: element("result"),
  verdict: element("verdict"),
  verdictTitle: element("verdict-title"),
  verdictReason: element("verdict-reason"),
  timeline: element<HTMLOListElement>("timeline"),
  dispenseBox: element("dispense-box"),
  dispense: element<HTMLButtonElement>("dispense"),
  dispenseResult: element("dispense-result"),
};

const hints = new Map<DecodeHintType, unknown>([
  [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.DATA_MATRIX, BarcodeFormat.QR_CODE]],
  [DecodeHintType.TRY_HARDER, true],
]);
const reader = new BrowserMultiFormatReader(hints);
// ZXing's QR detector misreads some clean, computer-made QR images (a checksum
// error at 8+ pixels per module); read as a pure barcode they decode. Uploaded
// label images are often exactly that, so they get this second try.
const pureReader = new BrowserMultiFormatReader(new Map([...hints, [DecodeHintType.PURE_BARCODE, true]]));
let camera: IScannerControls | undefined;
let current: VerifyAnswer | undefined;
let principal: { mspId: string; role: string; partnerRole: string } | undefined;

function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const key = apiKey();
  if (key === null) throw new Error("Enter your API key first (step 1).");
  const headers: Record<string, string> = { "x-api-key": key };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const parsed: unknown = text === "" ? undefined : JSON.parse(text);
  if (!response.ok) {
    const err = (parsed ?? {}) as ErrorAnswer;
    throw new Error(`${err.message ?? `HTTP ${response.status}`}${err.code ? ` (${err.code})` : ""}`);
  }
  return parsed as T;
}

function showError(message: string): void {
  ui.error.textContent = message;
}

function setText(id: string, text: string): void {
  element(id).textContent = text;
}

async function checkKey(): Promise<void> {
  if (apiKey() === null) {
    ui.who.textContent = "No API key yet.";
    return;
  }
  try {
    const me = await api<{ user: string; mspId: string; role: string; partnerRole: string }>("GET", "/v1/whoami");
    principal = me;
    ui.who.textContent = `Signed in as ${me.user} (${me.role}) of ${me.mspId}.`;
  } catch (err) {
    principal = undefined;
    ui.who.textContent = `This key is not accepted: ${(err as Error).message}`;
  }
}

function render(answer: VerifyAnswer): void {
  current = answer;
  ui.result.hidden = false;
  ui.verdict.className = `verdict ${answer.verified ? "ok" : "bad"}`;
  ui.verdictTitle.textContent = answer.verified ? "Verified" : "Not verified";
  const reasons = [answer.reason, ...answer.additionalInfo].filter((r, i, all): r is string => r !== undefined && all.indexOf(r) === i);
  ui.verdictReason.textContent = answer.verified
    ? "The pack is genuine: it matches the ledger and nothing blocks it."
    : reasons.map(reasonWords).join(" ") || "The pack could not be verified.";
  const product = answer.provenance?.product;
  setText("fact-product", product ? [product.name, product.strength, product.form].filter(Boolean).join(", ") || product.manufacturer : "—");
  setText("fact-gtin", answer.pack.gtin);
  setText("fact-serial", answer.pack.serial);
  setText("fact-lot", answer.pack.lot);
  setText("fact-expiry", expiryWords(answer.pack.expiry, new Date().toISOString()));
  setText("fact-status", answer.status ? statusWords(answer.status) : "—");
  setText("fact-coldchain", answer.reason === "NO_MATCH_GTIN_SERIAL" ? "—" : coldChainWords(answer.additionalInfo));
  setText("fact-owner", answer.owner ?? "—");
  ui.timeline.replaceChildren(
    ...(answer.provenance?.custody ?? []).map((step) => {
      const item = document.createElement("li");
      const when = document.createElement("time");
      when.dateTime = step.at;
      when.textContent = new Date(step.at).toLocaleString();
      item.append(when, ` · ${statusWords(step.status)} · ${step.owner} (${step.channel})`);
      return item;
    }),
  );
  if (ui.timeline.childElementCount === 0) {
    const item = document.createElement("li");
    item.textContent = "No provenance on record.";
    ui.timeline.append(item);
  }
  const canDispense = answer.verified && answer.status === "RECEIVED" && principal?.partnerRole === "Pharmacy";
  ui.dispenseBox.hidden = !canDispense;
  ui.dispense.disabled = !canDispense;
  ui.dispenseResult.textContent = "";
  ui.verdictTitle.focus();
}

async function verify(rawCode: string): Promise<void> {
  showError("");
  const code = normaliseTypedCode(rawCode);
  if (code === "") {
    showError("The code is empty: scan or type a pack's code.");
    return;
  }
  ui.read.textContent = `Read: ${showSeparators(code)}`;
  try {
    render(await api<VerifyAnswer>("POST", "/v1/verify/scan", { code }));
  } catch (err) {
    ui.result.hidden = true;
    showError((err as Error).message);
  }
}

async function dispense(): Promise<void> {
  if (!current) return;
  const { gtin, serial, lot, expiry } = current.pack;
  ui.dispense.disabled = true;
  try {
    const answer = await api<{ transactionId?: string; result?: { alert?: { code?: string } } }>(
      "POST",
      `/v1/packs/${encodeURIComponent(gtin)}/${encodeURIComponent(serial)}/dispense`,
      { lot, expiry },
    );
    if (answer.result?.alert) {
      // The ledger does not refuse a second decommission; it records an alert instead.
      ui.dispenseResult.className = "error";
      ui.dispenseResult.textContent = `Not dispensed: the pack was already inactive; the ledger recorded alert ${answer.result.alert.code ?? ""} (transaction ${answer.transactionId ?? ""}).`;
      setText("fact-status", statusWords("DISPENSED"));
      return;
    }
    ui.dispenseResult.className = "done";
    ui.dispenseResult.textContent = `Dispensed. Ledger transaction ${answer.transactionId ?? "recorded"}.`;
    setText("fact-status", statusWords("DISPENSED"));
  } catch (err) {
    ui.dispenseResult.className = "error";
    ui.dispenseResult.textContent = `Not dispensed: ${(err as Error).message}`;
    ui.dispense.disabled = false;
  }
}

async function decodeImage(file: File): Promise<void> {
  showError("");
  const url = URL.createObjectURL(file);
  try {
    const result = await reader.decodeFromImageUrl(url).catch(() => pureReader.decodeFromImageUrl(url));
    await verify(result.getText());
  } catch {
    showError("No GS1 DataMatrix or QR code was found in this image. Try a sharper, closer picture.");
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function startCamera(): Promise<void> {
  showError("");
  try {
    ui.video.hidden = false;
    ui.cameraStart.hidden = true;
    ui.cameraStop.hidden = false;
    camera = await reader.decodeFromVideoDevice(undefined, ui.video, (result, _error, controls) => {
      if (!result) return;
      controls.stop();
      stopCamera();
      void verify(result.getText());
    });
  } catch (err) {
    stopCamera();
    showError(`The camera cannot be used: ${(err as Error).message}`);
  }
}

function stopCamera(): void {
  camera?.stop();
  camera = undefined;
  ui.video.hidden = true;
  ui.cameraStart.hidden = false;
  ui.cameraStop.hidden = true;
}

// A Digital Link opened from a phone arrives as /scan?code=<url>; it is verified once a key is there.
let linked = new URLSearchParams(location.search).get("code");
async function verifyLinked(): Promise<void> {
  if (linked === null || apiKey() === null || principal === undefined) return;
  const code = linked;
  linked = null;
  ui.code.value = code;
  await verify(code);
}

ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, ui.key.value.trim());
  ui.key.value = "";
  void checkKey().then(verifyLinked);
});
ui.codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void verify(ui.code.value);
});
ui.image.addEventListener("change", () => {
  const file = ui.image.files?.[0];
  if (file) void decodeImage(file);
  ui.image.value = "";
});
ui.cameraStart.addEventListener("click", () => void startCamera());
ui.cameraStop.addEventListener("click", stopCamera);
ui.dispense.addEventListener("click", () => void dispense());
ui.verdictTitle.tabIndex = -1;

void checkKey().then(verifyLinked);
