import { describe, expect, it } from 'vitest';
import { parseCommand, parseTriggerArgs } from '../../src/bots/router.js';
import { checkCells, parseCorrectionsCsv, parseFix } from '../../src/bots/corrections.js';

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

  it('`fix` replies: a row number and column=value pairs (quoted when they hold spaces), several lines', () => {
    expect(parseCommand('fix 12 city=Boston', 'message', ds, false)).toEqual({ cmd: 'fix' });
    expect(parseCommand('fix 3 when', 'message', ds, false)).toEqual({ cmd: 'fix' }); // refused with a usage hint, not answered as chat
    expect(parseCommand('fix the dates please?', 'message', ds, false)).toMatchObject({ cmd: 'chat' });
    expect(parseFix('fix 12 city=Boston state=MA\nFIX 3 "Room Type"="2 br" note=\'a b\' empty=')).toEqual({
      cells: [
        { row: 12, column: 'city', value: 'Boston' },
        { row: 12, column: 'state', value: 'MA' },
        { row: 3, column: 'Room Type', value: '2 br' },
        { row: 3, column: 'note', value: 'a b' },
        { row: 3, column: 'empty', value: '' },
      ],
    });
    // a platform that folds a message's lines into one (Discord's normalised text) loses nothing
    expect(parseFix('fix 3 when=4/3/21 fix 17 city=Leeds note="please fix 4 later"')).toEqual({
      cells: [
        { row: 3, column: 'when', value: '4/3/21' },
        { row: 17, column: 'city', value: 'Leeds' },
        { row: 17, column: 'note', value: 'please fix 4 later' },
      ],
    });
    expect(parseFix('fix x city=Boston')).toEqual({ error: expect.stringMatching(/`x` is not a row number/) });
    expect(parseFix('fix 2 when')).toEqual({ error: expect.stringMatching(/could not read `when`/) });
    expect(parseFix('fix 2 a=b\nand also this')).toEqual({ error: expect.stringMatching(/every line must read/) });
  });

  it('a corrections CSV: every cell a correction; rows and columns checked against the finished run', () => {
    const r = parseCorrectionsCsv(Buffer.from('row,city,state\n4,Leeds,\n9,York,YK\n'), 'fix.csv', ['id', 'city', 'state']);
    expect(r).toEqual({ cells: [
      { row: 4, column: 'city', value: 'Leeds' }, { row: 4, column: 'state', value: '' },
      { row: 9, column: 'city', value: 'York' }, { row: 9, column: 'state', value: 'YK' },
    ] });
    expect(parseCorrectionsCsv(Buffer.from('id,city\n4,Leeds\n'), 'fix.csv', ['id', 'city'])).toEqual({ error: expect.stringMatching(/has no `row` column/) });
    expect(parseCorrectionsCsv(Buffer.from('_row,row\n4,x\n'), 'fix.csv', ['row'])).toEqual({ cells: [{ row: 4, column: 'row', value: 'x' }] });
    const shape = { columns: ['id', 'city', 'state'], rows: 10, chunkRows: 5 };
    expect(checkCells([{ row: 10, column: 'City', value: 'x' }], shape)).toBe('column `City` is not in the file (did you mean `city`?); row 10 does not exist (the file has 10 data rows, numbered 0 to 9)');
    expect(checkCells([{ row: 9, column: 'city', value: 'x' }], shape)).toBeUndefined();
  });
});
