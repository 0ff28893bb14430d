// The studio's screens, one file each; shared parts in common.tsx.

export { ErrorBox, type Ctx } from "./common";
export { Dashboard } from "./Dashboard";
export { Planner } from "./Planner";
export { Casting } from "./Casting";
export { Script } from "./Script";
export { Priority } from "./Priority";
export { Production } from "./Production";
export { Review } from "./Review";
export { Feedback } from "./Feedback";
export { Settings } from "./Settings";
