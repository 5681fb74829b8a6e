/** Codec constructors called wrongly throw TypeErrors that say what is wrong (not "Cannot read properties of undefined"). */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameEncoder, Utf8Validator } from '../../src/codec/index.js';

/** The TypeError `construct` throws, checked to be one. */
function typeError(construct: () => unknown): string {
  let thrown: unknown;
  try {
    construct();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  const { message } = thrown as TypeError;
  expect(message).not.toMatch(/Cannot read properties|undefined \(reading/);
  return message;
}

// Wrong arguments on purpose: the types would refuse them.
const Decoder = FrameDecoder as unknown as new (...args: unknown[]) => FrameDecoder;
const Encoder = FrameEncoder as unknown as new (...args: unknown[]) => FrameEncoder;
const Validator = Utf8Validator as unknown as new (...args: unknown[]) => Utf8Validator;
const onMessage = () => {};

describe('new FrameDecoder', () => {
  it.each([
    [[], 'got undefined'],
    [[null], 'got null'],
    [['server'], "got 'server'"],
    [[42], 'got 42'],
  ])('(%j): options must be an object, with an example', (args, got) => {
    expect(typeError(() => new Decoder(...args))).toBe(`new FrameDecoder(options): options must be an object like { role: 'server', onMessage(data, isBinary) {} }, ${got}`);
  });

  it.each([
    [{ onMessage }, "FrameDecoder: role must be 'server' or 'client', got undefined"],
    [{ role: 'Server', onMessage }, "FrameDecoder: role must be 'server' or 'client', got 'Server'"],
    [{ role: 'server' }, 'FrameDecoder: onMessage must be a function, got undefined'],
    [{ role: 'server', onMessage: 'print' }, "FrameDecoder: onMessage must be a function, got 'print'"],
    [{ role: 'client', onMessage, onPing: true }, 'FrameDecoder: onPing must be a function, got true'],
    [{ role: 'client', onMessage, onClose: {} }, 'FrameDecoder: onClose must be a function, got an object'],
    [{ role: 'client', onMessage, onError: null }, 'FrameDecoder: onError must be a function, got null'],
  ])('(%j) names the option', (options, message) => {
    expect(typeError(() => new Decoder(options))).toBe(message);
  });

  it('still takes good options, the optional callbacks left out or given', () => {
    expect(new FrameDecoder({ role: 'server', onMessage }).stopped).toBe(false);
    expect(new FrameDecoder({ role: 'client', onMessage, onPing: onMessage, onPong: undefined }).stopped).toBe(false);
  });
});

describe('new FrameEncoder', () => {
  it.each([
    [[], 'got undefined'],
    [['client'], "got 'client'"],
  ])('(%j): options must be an object', (args, got) => {
    expect(typeError(() => new Encoder(...args))).toBe(`new FrameEncoder(options): options must be an object like { role: 'server' }, ${got}`);
  });

  it('names a bad role', () => {
    expect(typeError(() => new Encoder({}))).toBe("FrameEncoder: role must be 'server' or 'client', got undefined");
    expect(typeError(() => new Encoder({ role: ['client'] }))).toBe("FrameEncoder: role must be 'server' or 'client', got an array");
  });

  it('still takes good options', () => {
    expect(new FrameEncoder({ role: 'client' }).frameSize(0)).toBe(6);
  });
});

describe('new Utf8Validator', () => {
  it('takes no arguments and says where the bytes go', () => {
    expect(typeError(() => new Validator(Buffer.from('text')))).toBe('new Utf8Validator() takes no arguments, got 1: pass the bytes to push(chunk), or use isValidUTF8(bytes)');
  });

  it('still works without', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Buffer.from('κόσμε'))).toBe(true);
    expect(validator.end()).toBe(true);
  });
});
