// The card sessions' windows by name. Rust has one generic view of a session's window,
// SessionWindow<Step, Fields> (the step, the session's progress and the flow's own fields,
// on one level); these are its instances the pages take.

import type { EnrollCustomerFields } from "./generated/EnrollCustomerFields";
import type { EnrollStaffFields } from "./generated/EnrollStaffFields";
import type { EnrollStep } from "./generated/EnrollStep";
import type { IdentifyCustomerFields } from "./generated/IdentifyCustomerFields";
import type { IdentifyStaffFields } from "./generated/IdentifyStaffFields";
import type { IdentifyStep } from "./generated/IdentifyStep";
import type { SessionWindow } from "./generated/SessionWindow";

/** The staff window during an identification. */
export type IdentifyStaffView = SessionWindow<IdentifyStep, IdentifyStaffFields>;
/** The customer window during an identification. */
export type IdentifyCustomerView = SessionWindow<IdentifyStep, IdentifyCustomerFields>;
/** The staff window during an enrollment. */
export type EnrollStaffView = SessionWindow<EnrollStep, EnrollStaffFields>;
/** The customer window during an enrollment. */
export type EnrollCustomerView = SessionWindow<EnrollStep, EnrollCustomerFields>;
