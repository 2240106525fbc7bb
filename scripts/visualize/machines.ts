/** The machines drawn in visualizations/, each with the file it is defined in. */
import type { AnyStateMachine } from 'xstate';
import { domainMachine } from '../../src/machines/domain.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';

export interface DrawnMachine {
  /** Base name of its files in visualizations/. */
  readonly name: string;
  readonly source: string;
  readonly machine: AnyStateMachine;
}

export const DRAWN_MACHINES: readonly DrawnMachine[] = [
  { name: 'service', source: 'src/machines/service.machine.ts', machine: serviceMachine },
  { name: 'domain', source: 'src/machines/domain.machine.ts', machine: domainMachine },
];
