import type { Metadata } from "next";
import type { ReactNode } from "react";
import "uplot/dist/uPlot.min.css";
import "./globals.css";
import { AppHeader } from "../ui/shell/app-header";

export const metadata: Metadata = {
  title: "Tunelab",
  description: "Full fine-tuning vs LoRA, QLoRA, prefix-tuning and adapters, measured side by side.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <AppHeader />
        <main id="main">{children}</main>
      </body>
    </html>
  );
}
