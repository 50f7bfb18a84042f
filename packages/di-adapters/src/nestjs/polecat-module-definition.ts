import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PolecatModuleExtras, PolecatModuleOptions } from './polecat-module-options';
import { POLECAT_MODULE_OPTIONS } from './tokens';

// every key listed here is kept out of the options object the module provides (POLECAT_MODULE_OPTIONS)
const extras: PolecatModuleExtras = { isGlobal: false, stores: undefined };

/**
 * `forRoot` / `forRootAsync` (`useFactory` + `inject` + `imports`, `useClass`, `useExisting`) as
 * Nest's `ConfigurableModuleBuilder` makes them; `PolecatModule` adds the coordinator providers.
 */
export const {
  ConfigurableModuleClass: PolecatConfigurableModule,
  OPTIONS_TYPE: POLECAT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POLECAT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PolecatModuleOptions>({ optionsInjectionToken: POLECAT_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPolecatOptions')
  .setExtras(extras, (definition, given) => ({ ...definition, global: given.isGlobal ?? false }))
  .build();

/** What `PolecatModule.forRoot` accepts. */
export type PolecatModuleRootOptions = typeof POLECAT_OPTIONS_TYPE;
/** What `PolecatModule.forRootAsync` accepts: `useFactory`/`inject`/`imports`, `useClass` or `useExisting`, plus `stores` and `isGlobal`. */
export type PolecatModuleAsyncOptions = typeof POLECAT_ASYNC_OPTIONS_TYPE;
