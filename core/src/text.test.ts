import assert from "node:assert/strict";
import { test } from "node:test";
import { controlCharacterAt, printableText } from "./text.js";

test("controlCharacterAt: the first control character other than tab, newline and carriage return", () => {
  assert.equal(controlCharacterAt("a\tb\nc\r"), -1);
  assert.equal(controlCharacterAt("ab\u0000"), 2);
  assert.equal(controlCharacterAt("\u007f"), 0);
  assert.equal(controlCharacterAt("é 🙂"), -1);
});

test("printableText: control characters become their control pictures, the rest is kept", () => {
  assert.equal(printableText("\u0001hi\u0000\u001f\u007f\t\n🙂"), "\u2401hi\u2400\u241f\u2421\t\n🙂");
  for (let c = 0; c < 0x80; c++) assert.equal(controlCharacterAt(printableText(String.fromCharCode(c))), -1);
  assert.equal(printableText("plain"), "plain");
});
