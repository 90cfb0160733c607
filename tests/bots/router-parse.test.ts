import { describe, expect, it } from 'vitest';
import { parseCommand, parseTriggerArgs } from '../../src/bots/router.js';

const ds = ['turtle_sales', 'turtle_reviews'];

describe('router: parsing', () => {
  it('slash commands are always commands', () => {
    expect(parseCommand('clean turtle_sales', 'command', ds, false)).toEqual({ cmd: 'clean', arg: 'turtle_sales' });
    expect(parseCommand('clean nonsense', 'command', ds, false)).toEqual({ cmd: 'clean', arg: 'nonsense' });
    expect(parseCommand('ask which columns?', 'command', ds, false)).toEqual({ cmd: 'chat', text: 'which columns?' });
    expect(parseCommand('stop run-0123456789abcdef', 'command', ds, false)).toEqual({ cmd: 'stop', arg: 'run-0123456789abcdef' });
    expect(parseCommand('frobnicate', 'command', ds, false)).toEqual({ cmd: 'help' });
  });

  it('typed messages are commands only when they clearly are', () => {
    expect(parseCommand('clean turtle_reviews', 'message', ds, false)).toEqual({ cmd: 'clean', arg: 'turtle_reviews' });
    expect(parseCommand('Clean turtle_reviews outliers=remove', 'message', ds, false)).toEqual({ cmd: 'clean', arg: 'turtle_reviews outliers=remove' });
    expect(parseCommand('clean', 'message', ds, true)).toEqual({ cmd: 'clean', arg: '' });
    expect(parseCommand('clean up the year column?', 'message', ds, false)).toEqual({ cmd: 'chat', text: 'clean up the year column?' });
    expect(parseCommand('stop', 'message', ds, false)).toEqual({ cmd: 'stop', arg: undefined });
    expect(parseCommand('stop worrying about outliers', 'message', ds, false)).toMatchObject({ cmd: 'chat' });
    expect(parseCommand('status', 'message', ds, false)).toEqual({ cmd: 'status', arg: undefined });
    expect(parseCommand('help', 'message', ds, false)).toEqual({ cmd: 'help' });
    expect(parseCommand('help me read this chart', 'message', ds, false)).toMatchObject({ cmd: 'chat' });
    // Replies to a plan (a `change …` outside a waiting run's thread is answered as chat by the router).
    expect(parseCommand('approve', 'message', ds, false)).toEqual({ cmd: 'approve', arg: undefined });
    expect(parseCommand('approve of this?', 'message', ds, false)).toMatchObject({ cmd: 'chat' });
    expect(parseCommand('change keep the Year column as it is', 'message', ds, false)).toEqual({ cmd: 'change', arg: 'keep the Year column as it is' });
    expect(parseCommand('change', 'message', ds, false)).toMatchObject({ cmd: 'chat' });
  });

  it('trigger arguments: dataset name plus key=value options', () => {
    expect(parseTriggerArgs('turtle_sales outliers=remove chunk-rows=500')).toEqual({ dataset: 'turtle_sales', options: { outliers: 'remove', chunkRows: 500 } });
    expect(parseTriggerArgs('')).toEqual({ dataset: '', options: {} });
    expect(parseTriggerArgs('turtle_sales approve=yes')).toEqual({ dataset: 'turtle_sales', options: { approve: true } });
    expect(parseTriggerArgs('turtle_sales Approve=NO')).toEqual({ dataset: 'turtle_sales', options: { approve: false } });
    expect(parseTriggerArgs('turtle_sales approve=maybe')).toEqual({ dataset: 'turtle_sales', options: { approve: 'maybe' } }); // refused by the request schema, naming the field
  });
});
