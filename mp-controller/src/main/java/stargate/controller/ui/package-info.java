/**
 * The web dashboard ({@code /ui}, SPEC §20): static ES modules and CSS from the jar, served with a
 * strict Content-Security-Policy. Entry class: {@link stargate.controller.ui.Dashboard}. The pages
 * call the admin API with the credentials the user typed in, held in the tab's memory only.
 */
package stargate.controller.ui;
