// The API's typed configuration slice that services need.
export class ApiSettings {
  constructor(
    /** Shown as `conductor` and in lock messages. */
    readonly conductor: string,
    /** Page size cap for collections. */
    readonly maxLimit: number,
    readonly taskQueue: string,
  ) {}
}
