import {Help, type Command} from '@oclif/core'

/**
 * raptr's help: oclif's, with each description paragraph unwrapped before oclif wraps
 * it to the terminal's width, so text is wrapped once (descriptions are written with
 * line breaks for the source file's sake). Lines that start with a list marker,
 * indentation or a command keep their break.
 */
export default class RaptrHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand({...command, description: command.description ? unwrap(command.description) : command.description})
  }
}

/**
 * Joins the lines of each paragraph (blank-line separated) into one line.
 *
 * @example unwrap('one\ntwo\n\nthree') // 'one two\n\nthree'
 */
export function unwrap(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((para) => para.split('\n').reduce((out, line) => (out === '' ? line : /^(\s|[-*•] |\$ |\d+\. )/.test(line) ? `${out}\n${line}` : `${out} ${line.trim()}`), ''))
    .join('\n\n')
}
